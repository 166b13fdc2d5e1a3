import stillwatch.report


def test_all_names_resolve() -> None:
    for name in stillwatch.report.__all__:
        assert getattr(stillwatch.report, name) is not None
