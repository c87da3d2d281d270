"""The harness refuses what DynamoDB refuses (tests/dynamodb_limits.py), so that a test that
writes past a limit fails the way production would."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.cost import item_size
from tests.conftest import REGION, Festival, csv_text
from tests.test_scale import bookkeeping_wire


def table(festival: Festival) -> str:
    return festival.outputs["BookkeepingTableName"]


def client() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def item(name: str, **attributes: dict[str, Any]) -> dict[str, Any]:
    return {"pk": {"S": "test"}, "sk": {"S": name}, **attributes}


def test_the_size_rule_is_dynamodbs() -> None:
    assert item_size({"a": {"S": "héllo"}}) == 1 + 6
    assert item_size({"n": {"N": "123.45"}}) == 1 + 4  # 5 significant digits: 3 bytes, plus 1
    assert item_size({"l": {"L": [{"S": "x"}, {"BOOL": True}]}}) == 1 + 3 + (1 + 1) + (1 + 1)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1


@pytest.mark.parametrize("how", ["PutItem", "BatchWriteItem", "TransactWriteItems"])
def test_an_item_over_400_kb_is_refused_however_it_is_written(festival: Festival, how: str) -> None:
    big = item("big", v={"S": "x" * (400 * 1024)})
    with pytest.raises(ClientError, match=r"ValidationException.*size has exceeded"):
        if how == "PutItem":
            client().put_item(TableName=table(festival), Item=big)
        elif how == "BatchWriteItem":
            client().batch_write_item(RequestItems={table(festival): [{"PutRequest": {"Item": big}}]})
        else:
            client().transact_write_items(TransactItems=[{"Put": {"TableName": table(festival), "Item": big}}])
    client().put_item(TableName=table(festival), Item=item("fits", v={"S": "x" * 400_000}))


def test_a_list_of_many_small_values_counts_its_overhead_as_dynamodb_does(festival: Festival) -> None:
    """moto counts no overhead for list elements; DynamoDB counts a byte each and 3 for the list."""
    values = [{"S": "x"}] * 205_000  # 205,000 bytes of text, 410,000 with the overhead
    with pytest.raises(ClientError, match="size has exceeded"):
        client().put_item(TableName=table(festival), Item=item("list", v={"L": values}))


def test_an_update_that_grows_an_item_past_400_kb_is_refused_and_changes_nothing(festival: Festival) -> None:
    client().put_item(TableName=table(festival), Item=item("grows", v={"S": "x" * 300_000}))
    with pytest.raises(ClientError, match="size"):
        client().update_item(
            TableName=table(festival),
            Key=item("grows"),
            UpdateExpression="SET w = :w",
            ExpressionAttributeValues={":w": {"S": "y" * 200_000}},
        )
    kept = client().get_item(TableName=table(festival), Key=item("grows"))["Item"]
    assert "w" not in kept


def test_a_batch_of_26_writes_or_with_one_key_twice_is_refused(festival: Festival) -> None:
    puts = [{"PutRequest": {"Item": item(f"n{n}")}} for n in range(26)]
    with pytest.raises(ClientError, match="less than or equal to 25"):
        client().batch_write_item(RequestItems={table(festival): puts})
    twice = [{"PutRequest": {"Item": item("same", v={"S": "a"})}}, {"PutRequest": {"Item": item("same")}}]
    with pytest.raises(ClientError, match="duplicates"):
        client().batch_write_item(RequestItems={table(festival): twice})


def test_a_transaction_over_4_mb_is_refused(festival: Festival) -> None:
    steps = [{"Put": {"TableName": table(festival), "Item": item(f"t{n}", v={"S": "x" * 300_000})}} for n in range(15)]
    with pytest.raises(ClientError, match="4 MB"):
        client().transact_write_items(TransactItems=steps)


def test_a_query_page_stops_at_1_mb(festival: Festival) -> None:
    for n in range(6):
        client().put_item(TableName=table(festival), Item=item(f"q{n}", v={"S": "x" * 300_000}))
    page = client().query(
        TableName=table(festival),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "test"}},
    )
    assert len(page["Items"]) <= 3 and "LastEvaluatedKey" in page


def test_a_50000_row_file_lands_and_lands_again_within_every_limit(
    festival: Festival, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The largest file a city festival sends in one go: its record, manifest, index and
    release all stay within DynamoDB's limits (enforced here), on the first upload and on
    a re-upload that reads the manifest back."""
    # What is measured here is the run's bookkeeping; publishing a release as files is not,
    # and at this size it is four fifths of the test's time (its exports of 50,000 sets,
    # twice). test_scale publishes the city festival's 45,000 sets and reads every file.
    from chalicelib.ingest import handler

    monkeypatch.setattr(handler, "publish_release", lambda *args, **kwargs: None)
    rows = [
        f"Venue {n // 500:03d},2026-08-{1 + n // 20 % 25:02d},{10 + n % 20 // 2:02d}:{n % 2 * 30:02d},"
        f"{10 + n % 20 // 2:02d}:{n % 2 * 30 + 25:02d},Act {n},comedy,"
        for n in range(50_000)
    ]
    first = festival.upload("uploads/city.csv", csv_text(*rows))
    assert (first["status"], first["accepted"], first["changes"]["new"]) == ("ok", 50_000, 50_000)
    rows[0] = rows[0].replace("comedy", "theatre")
    again = festival.upload("uploads/city.csv", csv_text(*rows))
    assert (again["status"], again["changes"]["changed"], again["changes"]["unchanged"]) == ("ok", 1, 49_999)
    largest = max(item_size(found) for found in bookkeeping_wire(festival))
    assert largest <= 260 * 1024  # every bookkeeping item a bounded chunk, whatever the file


def test_moto_measuring_each_item_once_refuses_what_moto_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """local.moto_items: an item is measured by moto's own rule and limit, once; an update's
    attribute still by moto's check."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from local import moto_items

    def built(attrs: dict[str, Any]) -> Item:
        return Item(DynamoType(attrs["pk"]), DynamoType(attrs["sk"]), attrs)

    def refused(attrs: dict[str, Any]) -> bool:
        try:
            built(attrs)
        except ItemSizeTooLarge:
            return True
        return False

    # 102 attributes of 4,003 bytes: moto measured the first one 102 times
    many = item("many", **{f"a{n:03d}": {"S": "x" * 4_000} for n in range(102)})
    # keys 6 + 6 bytes, n 1 + 2: v's text fills moto's limit exactly, then one byte more
    edge = item("edge", v={"S": "x" * (moto_items.MOTO_ITEM_LIMIT - 16)}, n={"N": "12"})
    over = item("over", v={"S": "x" * (moto_items.MOTO_ITEM_LIMIT - 15)}, n={"N": "12"})
    before = [refused(attrs) for attrs in (many, edge, over)]
    moto_items.install(monkeypatch.setattr)
    assert [refused(attrs) for attrs in (many, edge, over)] == before == [True, False, True]
    kept = built(item("kept", v={"S": "x"}))
    assert kept.attrs["v"] == DynamoType({"S": "x"}) and kept.hash_key == DynamoType({"S": "test"})
    with pytest.raises(ItemSizeTooLarge):
        kept.attrs["w"] = DynamoType({"S": "x" * moto_items.MOTO_ITEM_LIMIT})
