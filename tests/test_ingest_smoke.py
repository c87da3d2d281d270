from tests.conftest import Festival, csv_text


def test_an_upload_becomes_performances_a_report_and_a_notification(festival: Festival) -> None:
    report = festival.upload(
        "uploads/day 1.csv",
        csv_text("Main Stage,2026-07-03,21:30,23:00,Björk,pop,", "Main Stage,2026-07-03,23:30,01:00,Moderat,,late"),
    )
    assert report["status"] == "ok"
    assert (report["accepted"], report["rejected"]) == (2, 0)
    items = festival.items()
    assert [(i["stage"], i["slot"], i["end"], i["artist"]) for i in items] == [
        ("Main Stage", "2026-07-03#21:30", "2026-07-03T23:00", "Björk"),
        ("Main Stage", "2026-07-03#23:30", "2026-07-04T01:00", "Moderat"),
    ]
    [message] = festival.notifications()
    assert message["body"]["status"] == "ok"
    assert message["body"]["report"] == "s3://festival-test-schedule/reports/day 1.csv.json"
