"""The API's request and response models: pydantic, one module per area. They validate what
comes in and what goes out, and the OpenAPI document is generated from them."""
