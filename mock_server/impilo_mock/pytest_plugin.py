"""pytest plugin: the impilo_mock_server fixture (being built)."""
