from tests.inbox.index.conftest import bob, bob_browser, recorded  # noqa: F401  (fixtures)
from tests.inbox.team.conftest import support_line  # noqa: F401  (a fixture)
