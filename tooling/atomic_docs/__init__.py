"""The docs site builder (scripts/docs). Kept out of atomic_tooling on purpose: every module there is an
input of the generator (hashed into GENERATED.json's config_sha256), and the docs are not."""
