"""The JSON API under `/api/v1`: the same services, the same access layer and the same access
log as the web pages, for apps that act for a person with their personal access token.

It is not a second door. Each endpoint declares the permission it needs (as a page does), the
token's scope (read, or read and write), and the pydantic models of what it takes and gives;
the OpenAPI 3.1 document at `/api/v1/openapi.json` is generated from those same models by
spectree, so it cannot drift from what is validated.
"""
