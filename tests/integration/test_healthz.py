from __future__ import annotations


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_gone(app, tmp_path):
    from voice_app.bootstrap import bootstrap
    from voice_app.config import Settings
    from voice_app.web import create_app

    broken = bootstrap(Settings(DATABASE_URL="postgresql+psycopg://127.0.0.1:1/nowhere"))
    response = create_app({"TESTING": True}, veille=broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_unknown_pages_get_a_french_error_page(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Cette page n’existe pas." in response.get_data(as_text=True)


def test_database_errors_never_quote_their_parameters(veille):
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    with veille.engine.connect() as connection:
        try:
            connection.execute(text("SELECT * FROM no_such_table WHERE phone = :phone"),
                               {"phone": "+33612345678"})
        except SQLAlchemyError as error:
            message = str(error)
    assert "no_such_table" in message
    assert "+33612345678" not in message
