"""asyncio on first use only.

Most programs using the SDK are synchronous, and ``import asyncio`` (with ``concurrent.futures``) is the
largest part of ``import atomic_sdk`` that httpx itself does not pay. Defaults that used to be
``asyncio.sleep`` point here instead; modules that need asyncio for async calls import it inside
those calls, after the fast path.
"""


async def sleep(seconds: float) -> None:
    """``asyncio.sleep(seconds)``, importing asyncio when first awaited (the default ``async_sleep``)."""
    import asyncio

    await asyncio.sleep(seconds)
