"""The kernel's pytest plugin gives plugin authors a signed-in web client that posts forms the
way a browser does (with the session's CSRF token)."""

from registry_kernel.testing import Factory, TestLogin, WebClient


def test_web_client_signs_in_and_posts_with_csrf(make_app):
    app = make_app(plugins=[], extra_plugins=(TestLogin(),))
    person = Factory(app).account(first_name="Lee")
    web = WebClient(app, person)
    assert "Hello, Lee" in web.get("/").get_data(as_text=True)
    assert web.post("/logout", csrf=False).status_code == 400  # a forged form is refused
    assert web.get("/").get_data(as_text=True).count("Hello, Lee") == 1
    assert web.post("/logout").status_code in (302, 303)
    assert "Hello, Lee" not in web.get("/").get_data(as_text=True)


def test_without_the_test_plugin_there_is_no_back_door(make_app):
    app = make_app(plugins=[])
    assert app.test_client().get("/_test/login/1").status_code == 404
