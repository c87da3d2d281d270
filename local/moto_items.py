"""moto's item size check, made once per item instead of once per attribute.

moto 5.2 builds an item attribute by attribute, and each attribute it adds measures every
attribute already there against its 405,000-byte limit: a set of ten attributes is
measured 55 times, and that was half of moto's time on a BatchWriteItem (about 3 of 6 ms for
25 sets). An item is measured here once, by moto's own rule and limit, before it is kept;
an attribute an update sets later is still checked by moto as before. So moto refuses
exactly what it refused, sooner. Installed by the harnesses that run moto (tests/conftest.py,
`local.moto_server`); never part of the app. The tests' stricter, AWS-sized limits are
tests/dynamodb_limits.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MOTO_ITEM_LIMIT = 405_000  # moto's own, in dynamo_type.LimitedSizeDict


def install(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    """Measure each new item once (`set_attribute`: a test's `monkeypatch.setattr`)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def measured_once(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        typed = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in typed.items()) > MOTO_ITEM_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict(typed)  # dict's own update: no second measuring

    set_attribute(Item, "__init__", measured_once)
