"""``python -m devices.simulator`` is ``infusion-sim``."""

import sys

from devices.simulator.cli import main

sys.exit(main())
