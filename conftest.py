"""Root test configuration: the shared fixtures of patentflow.testing."""

pytest_plugins = ["patentflow.testing.fixtures"]
