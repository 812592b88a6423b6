"""Helpers shared by every test folder (on sys.path through pytest's `pythonpath`): `support.clock`,
`support.cli`, `support.atomic_server`."""
