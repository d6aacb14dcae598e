"""Event contracts: the CloudEvents 1.0 envelope, the payload models and the topic catalogue."""
