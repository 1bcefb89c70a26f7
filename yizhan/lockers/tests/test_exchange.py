"""The donation exchange (爱心互献) and the officers' figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image

from yizhan.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from yizhan.core.time import SHANGHAI
from yizhan.lockers import services
from yizhan.lockers.models import Claim, Donation
from yizhan.lockers.tests.conftest import WORKER, item, worker

pytestmark = pytest.mark.django_db


def photo_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), (30, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {2: (45, 46, 20)}  # GPSInfo: somebody's home
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("coat.jpg", out.getvalue(), content_type="image/jpeg")


def register(smart, **kw):
    fields = {"category": "coats", "title": "羽绒服(男款 XL)", "condition": "like_new", **kw}
    return services.donation_register(
        user=smart.district.administrator, station=smart.district.station, **fields
    )


def test_refused_categories_are_named_and_nothing_is_written(smart):
    with pytest.raises(ValidationFailed) as e:
        register(smart, category="shoes", title="")
    messages = {f.field: f.message for f in e.value.errors}
    assert "鞋" in messages["category"] and "title" in messages
    assert not Donation.objects.exists()


def test_a_donation_is_claimed_by_one_worker_checked_and_handed_over(smart, client):
    d = register(smart, photo=photo_with_gps())
    stored = Image.open(d.photo.open())
    assert not stored.getexif()  # no GPS, no camera, no owner left in the photo
    listed = client.get(
        "/api/v1/lockers/exchange/nearby?lat=45.7733&lon=126.6175", **worker(client)
    ).json()
    assert [x["title"] for x in listed] == ["羽绒服(男款 XL)"]

    first = client.post(
        f"/api/v1/lockers/exchange/{d.pk}/claim", {}, "application/json", **worker(client)
    )
    assert first.status_code == 200 and len(first.json()["code"]) == 6
    second = client.post(
        f"/api/v1/lockers/exchange/{d.pk}/claim",
        {},
        "application/json",
        **worker(client, "second-worker-cccccccc"),
    )
    assert second.status_code == 409 and "已被别人预定" in second.json()["detail"]
    # No longer on the list for others.
    assert client.get("/api/v1/lockers/exchange/nearby?lat=45.7733&lon=126.6175").json() == []

    staff = smart.district.administrator
    with pytest.raises(NotFound):
        services.claim_verify(user=staff, station=smart.district.station, code="999999")
    claim = services.claim_verify(
        user=staff, station=smart.district.station, code=first.json()["code"]
    )
    services.claim_hand_over(user=staff, claim=claim, code=first.json()["code"])
    d.refresh_from_db()
    assert d.status == "handed_over"
    with pytest.raises(ApplicationError):
        services.claim_hand_over(user=staff, claim=claim, code=claim.code)  # the code is spent


def test_an_unclaimed_item_goes_back_on_the_list(smart, clock):
    d = register(smart)
    claim = services.donation_claim(visitor_key=WORKER, donation=d)
    clock.move_to(dt.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))  # 48 h later and more
    assert services.claims_expire() == 1
    claim.refresh_from_db()
    d.refresh_from_db()
    assert (claim.status, d.status) == ("expired", "listed")
    again = services.donation_claim(visitor_key="second-worker-cccccccc", donation=d)
    assert again.status == "active"


def test_a_worker_holds_at_most_two_items_at_once(smart):
    items = [register(smart, title=f"手套 {n}", category="warmth") for n in range(3)]
    for d in items[:2]:
        services.donation_claim(visitor_key=WORKER, donation=d)
    with pytest.raises(ApplicationError, match="2 件物品待领取"):
        services.donation_claim(visitor_key=WORKER, donation=items[2])


def test_the_desk_checks_a_code_and_hands_over_from_the_page(smart, client):
    d = register(smart)
    claim = services.donation_claim(visitor_key=WORKER, donation=d)
    client.force_login(smart.district.administrator)
    page = client.post(
        "/staff/lockers/s/HRB-DL-001/exchange/", {"action": "verify", "code": claim.code}
    ).content.decode()
    assert "羽绒服(男款 XL)" in page and "交给领取人" in page
    # Without the worker's code the desk hands nothing over.
    client.post("/staff/lockers/s/HRB-DL-001/exchange/", {"action": "hand_over", "claim": claim.pk})
    assert Claim.objects.get().status == "active"
    client.post(
        "/staff/lockers/s/HRB-DL-001/exchange/",
        {"action": "hand_over", "claim": claim.pk, "code": claim.code},
    )
    assert Claim.objects.get().status == "handed_over"


def test_the_worker_claims_on_the_page_and_sees_the_code(smart, client):
    d = register(smart)
    assert "羽绒服(男款 XL)" in client.get("/exchange/").content.decode()
    html = client.post(f"/exchange/{d.pk}/", {}, follow=True).content.decode()
    claim = Claim.objects.get()
    assert f"{claim.code[:3]} {claim.code[3:]}" in html


def test_officers_see_hand_outs_value_stock_outs_and_the_exchange(smart, client):
    d = smart.district
    services.compartment_load(
        user=d.administrator,
        compartment=smart.compartment(1),
        item=item("raincoat"),
        quantity=2,
        unit_value=12.5,
    )
    r = services.reservation_create(visitor_key=WORKER, station=d.station, item=item("raincoat"))
    from yizhan.lockers.models import Reservation

    Reservation.objects.filter(pk=r.pk).update(status="picked_up")
    services.reservation_create(
        visitor_key="w2-ffffffffffffffff", station=d.station, item=item("raincoat")
    )
    with pytest.raises(Conflict):
        services.reservation_create(
            visitor_key="w3-gggggggggggggggg", station=d.station, item=item("raincoat")
        )
    register(smart)
    client.force_login(d.district_officer)
    page = client.get("/staff/lockers/").content.decode()
    assert "兆麟1号工会驿站" in page and "12.50" in page
    book = load_workbook(io.BytesIO(client.get("/staff/lockers/?format=xlsx").content))
    row = next(book.active.iter_rows(min_row=2, values_only=True))
    assert row[0] == "HRB-DL-001" and row[4] == 1 and row[5] == 12.5 and row[8] == 1
    exchange = {r[0]: r[1] for r in book["爱心互献"].iter_rows(min_row=2, values_only=True)}
    assert exchange["登记物品"] == 1 and exchange["现可领取"] == 1
    # Another street's officer sees none of it.
    client.force_login(d.street_officer)
    assert "兆麟1号工会驿站" in client.get("/staff/lockers/").content.decode()
    from yizhan.stations.tests.factories import UserFactory

    stranger = UserFactory(username="nangang", role="officer", region=d.other_street)
    client.force_login(stranger)
    assert "兆麟1号工会驿站" not in client.get("/staff/lockers/").content.decode()
