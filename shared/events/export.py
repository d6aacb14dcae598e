"""Export the event contracts: one JSON Schema per event type and the AsyncAPI document.

``python -m shared.events.export docs`` writes ``docs/events/<type>.schema.json`` and
``docs/asyncapi.yaml``; a test fails when the committed copies differ from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from shared.events.contracts import ALL_EVENTS
from shared.events.envelope import CloudEvent
from shared.events.topics import PUBLIC_TOPICS


def event_schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for cls in ALL_EVENTS:
        schema = cls.model_json_schema()
        schema["$id"] = f"urn:techbridge:schema:{cls.event_type}"
        schema["title"] = cls.event_type
        schema["description"] = f"{cls.summary}. {(cls.__doc__ or '').strip()}"
        out[cls.event_type] = schema
    return out


def asyncapi_document() -> dict[str, Any]:
    envelope = CloudEvent.model_json_schema()
    envelope.pop("title", None)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventEnvelope": envelope}
    for topic in PUBLIC_TOPICS:
        topic_events = [cls for cls in ALL_EVENTS if cls.topic == topic.name]
        key = topic.name.replace(".", "_")
        channels[key] = {
            "address": topic.name,
            "description": (
                f"{topic.description}. Key = aggregate id (CloudEvent subject). Partitions: {topic.partitions}."
            ),
            "messages": {cls.__name__: {"$ref": f"#/components/messages/{cls.__name__}"} for cls in topic_events},
        }
        if topic_events:
            operations[f"publish_{key}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"Published by the {topic.name.split('.')[1]} service through its transactional outbox",
                "messages": [{"$ref": f"#/channels/{key}/messages/{cls.__name__}"} for cls in topic_events],
            }
    for cls in ALL_EVENTS:
        schema = event_schemas()[cls.event_type]
        schemas[cls.__name__] = {k: v for k, v in schema.items() if k != "$id"}
        messages[cls.__name__] = {
            "name": cls.event_type,
            "title": cls.summary,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {
                    "ce_type": {"const": cls.event_type},
                    "content-type": {"const": "application/cloudevents+json"},
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEventEnvelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": cls.event_type},
                            "data": {"$ref": f"#/components/schemas/{cls.__name__}"},
                        },
                    },
                ]
            },
            "bindings": {
                "kafka": {"key": {"type": "string", "description": "aggregate id"}, "bindingVersion": "0.5.0"}
            },
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "TechBridge 科技桥 events",
            "version": "1.0.0",
            "description": (
                "Public events of the TechBridge platform (Heilongjiang 科技总师 / 企业科技特派员). "
                "Every message is a CloudEvents 1.0 structured JSON envelope; `type` ends in the major "
                "version (`.v1`); additive payload changes keep it, breaking ones publish `.v2`. "
                "Delivery is at least once: consumers deduplicate on the CloudEvent `id`."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {"production": {"host": "kafka:9092", "protocol": "kafka", "description": "Apache Kafka (KRaft)"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(out_dir: Path) -> dict[Path, str]:
    files = {
        out_dir / "events" / f"{event_type}.schema.json": json.dumps(
            schema, ensure_ascii=False, indent=2, sort_keys=True
        )
        + "\n"
        for event_type, schema in event_schemas().items()
    }
    files[out_dir / "asyncapi.yaml"] = yaml.safe_dump(
        asyncapi_document(), allow_unicode=True, sort_keys=False, width=120
    )
    return files


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0] if argv else "docs")
    for path, text in render(out_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
