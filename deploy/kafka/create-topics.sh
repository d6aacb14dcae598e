#!/bin/bash
# One-shot job: creates every topic (auto-creation is off). Idempotent. Generated list: keep in step with
# devstack.services.all_topics() — tests/test_compose.py fails when they differ.
set -euo pipefail
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
REPLICATION="${TOPIC_REPLICATION_FACTOR:-1}"
create() {
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$REPLICATION" --config min.insync.replicas=1
}
create techbridge.intake.need 3
create techbridge.intake.enterprise 3
create techbridge.intake.researcher 3
create techbridge.intake.institution 3
create techbridge.matching.candidate 3
create techbridge.agreements.negotiation 3
create techbridge.agreements.selection 3
create techbridge.agreements.agreement 3
create techbridge.evaluation.evaluation 3
create techbridge.dlq.matching.intake-needs 1
create techbridge.dlq.matching.intake-registries 1
create techbridge.dlq.matching.agreements 1
create techbridge.dlq.matching.negotiation 1
create techbridge.dlq.matching.evaluation 1
create techbridge.dlq.agreements.intake 1
create techbridge.dlq.agreements.matching 1
create techbridge.dlq.agreements.evaluation 1
create techbridge.dlq.evaluation.agreements 1
create techbridge.dlq.evaluation.intake 1
echo "topics ready"
