"""The payment system's return file (all or nothing, errors row by row), the program summary,
and eligibility rules in code through the ``stipend_eligibility`` hook."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from registry_kernel.hookspecs import hookimpl


def _approved(world, n=2):
    program = world.program()
    payments = []
    for i in range(n):
        person = world.person()
        app = world.apply(person, program["id"], tin=f"123-45-{6780 + i}", tier="pd21")
        assert app.status_code == 201, app.get_json()
        decided = world.admin("post", f"/api/v1/stipends/applications/{app.get_json()['id']}"
                              "/decision", json={"decision": "approve", "reason": "ok"})
        payments.append(decided.get_json()["payment"])
    return program, payments


def _upload(world, data: bytes, name: str = "return.csv"):
    return world.admin("post", "/api/v1/stipends/payments/return-file",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_return_file_with_errors_changes_nothing_and_names_each_row(world):
    program, payments = _approved(world)
    first, second = payments[0]["id"], payments[1]["id"]
    bad = (f"payment_id,paid_on,amount\n{first},2026-11-20,315.00\n{first},2026-11-20,\n"
           f"999999,2026-11-20,\n{second},someday,\n").encode()
    response = _upload(world, bad)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == {"row 3": f"payment {first} is listed twice",
                      "row 4": "no payment 999999 of your county",
                      "row 5": "paid_on must be a date, as 2026-11-28"}
    wrong_amount = _upload(world, f"payment_id,paid_on,amount\n{first},2026-11-20,300\n".encode())
    assert "differs" in wrong_amount.get_json()["errors"]["row 2"]
    summary = world.admin("get", f"/api/v1/stipends/programs/{program['id']}/summary").get_json()
    assert summary["paid"] == "0.00" and summary["awarded"] == "630.00"
    assert _upload(world, b"id,date\n1,2026-01-01\n").status_code == 422


def test_return_file_as_xlsx_marks_all_paid(world):
    program, payments = _approved(world)
    book = Workbook()
    sheet = book.active
    sheet.append(["payment_id", "paid_on", "amount"])
    for p in payments:
        sheet.append([p["id"], date(2026, 11, 20), 315])
    handle = io.BytesIO()
    book.save(handle)
    response = _upload(world, handle.getvalue(), "return.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["marked_paid"] == 2
    summary = world.admin("get", f"/api/v1/stipends/programs/{program['id']}/summary").get_json()
    assert summary["counts"]["approved"] == 2 and summary["paid"] == "630.00"
    assert summary["by_tier"] == {"pd21": {"count": 2, "awarded": "630.00"}}
    assert summary["by_role"] == {"teacher": {"count": 2, "awarded": "630.00"}}
    assert summary["by_site"] == {"Sunshine Center": {"count": 2, "awarded": "630.00"}}
    again = _upload(world, handle.getvalue(), "return.xlsx")
    assert again.status_code == 422 and "already marked paid" in str(again.get_json()["errors"])


class FortyHoursInCounty:
    """A rule in code: a county's extra rule that the data rules cannot express."""

    @hookimpl
    def stipend_eligibility(self, program, facts):
        from registry_plugins.stipends.eligibility import Result

        if not program.name.startswith("Coded"):
            return None
        return Result("coded.hours_total", sum(j.hours_per_week or 0 for j in facts.jobs) >= 40,
                      "Jobs in the county must add up to 40 hours a week")


def test_rules_in_code_through_the_hook(make_app):
    from stipends_helpers import PLUGINS, TestLogin, World, activate

    from registry_kernel.testing import Factory

    app = make_app(plugins=PLUGINS, extra_plugins=(TestLogin(), FortyHoursInCounty()))
    factory = Factory(app)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    county_admin = factory.account("county_admin", org=county_org)
    center = factory.org(kind="employer_center", county="Alameda")
    staff = factory.account("registry_staff")
    world = World(app=app, factory=factory, county_org=county_org, county_admin=county_admin,
                  admin_token=factory.token(county_admin, "stipends:admin"), center=center,
                  program_admin=factory.account("program_admin", org=center), staff=staff,
                  staff_token=factory.token(staff, "verification"))
    activate(app, "Alameda")
    coded = world.program(name="Coded stipend", rules={}, tiers=[], amount="100.00")
    plain = world.program(name="Plain stipend", rules={}, tiers=[], amount="100.00")
    person = world.person(hours="30")
    refused = world.apply(person, coded["id"])
    assert refused.status_code == 422
    assert refused.get_json()["unmet"] == [{"rule": "coded.hours_total", "met": False,
                                            "message": "Jobs in the county must add up to 40 "
                                                       "hours a week"}]
    assert world.apply(person, plain["id"]).status_code == 201


def test_payments_page_downloads_excel_and_checks_the_return_file(world):
    import re

    from openpyxl import load_workbook
    from stipends_helpers import WebClient

    program = world.program()
    application = world.apply(world.person(), program["id"], tier="pd21").get_json()
    payment = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/decision",
                          json={"decision": "approve", "reason": "ok"}).get_json()["payment"]
    staff = WebClient(world.app, world.county_admin)
    page = staff.get("/stipends/admin/payments").get_data(as_text=True)
    assert f"#{payment['id']}" in page and "pending" in page and "6789" not in page
    sheet = staff.get("/stipends/admin/payments.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == payment["id"] and rows[1][7] == "***-**-6789"
    bad = staff.post("/stipends/admin/payments", data={
        "file": (io.BytesIO(f"payment_id,paid_on\n{payment['id']},someday\n".encode()),
                 "r.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    assert re.search(r"row 2: paid_on must be a date", bad.get_data(as_text=True))
    good = staff.post("/stipends/admin/payments", data={
        "file": (io.BytesIO(f"payment_id,paid_on\n{payment['id']},2026-11-02\n".encode()),
                 "r.csv")}, content_type="multipart/form-data")
    assert good.status_code == 302
    assert "2026-11-02" in staff.get("/stipends/admin/payments").get_data(as_text=True)
    nothing = staff.post("/stipends/admin/payments", data={},
                         content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Choose the return file." in \
        nothing.get_data(as_text=True)
    participant = WebClient(world.app, world.person())
    assert participant.get("/stipends/admin/payments").status_code == 403
    assert participant.get("/stipends/admin/payments.xlsx").status_code == 403


def test_return_file_with_huge_ids_or_nul_bytes_is_a_clear_error(world):
    from registry_kernel.testing import bearer

    token = world.admin_token
    for content, expected in ((b"payment_id,paid_on\n99999999999999999999999,2026-11-02\n",
                               "row 2"),
                              (b"payment_id,paid_on\n1\x00,2026-11-02\n", "row 2")):
        response = world.client().post(
            "/api/v1/stipends/payments/return-file", headers=bearer(token),
            data={"file": (io.BytesIO(content), "r.csv")}, content_type="multipart/form-data")
        assert response.status_code == 422, response.get_json()
        assert expected in response.get_json()["errors"]
