def test_landing_page_in_indonesian(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="id">' in response.get_data(as_text=True)


def test_admin_logs_in(admin_client):
    assert "Admin BKPSDM" in admin_client.get("/").get_data(as_text=True)
