"""A query-count helper shared by the admin tests of both apps."""


def count_queries(client, url, django_assert_max_num_queries, ceiling):
    """GET `url`, assert a 200 within `ceiling` queries, and return how many it took."""
    client.get(url)  # warm the per-process caches (content types), as a running site has them
    with django_assert_max_num_queries(ceiling) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
