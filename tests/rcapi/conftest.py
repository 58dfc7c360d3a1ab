from tests.support.emulator import (  # noqa: F401  (fixtures)
    emulator,
    emulator_factory,
    emulator_template,
    fresh_emulator,
)
