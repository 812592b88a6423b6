"""Token machinery: the provider (client credentials, 429 backoff) and where tokens are kept (the caches)."""
