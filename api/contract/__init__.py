"""The contract: what the wire carries (shapes and their schemas), the examples, and the OpenAPI document."""
