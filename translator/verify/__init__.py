"""``translator verify``: the delivery scenarios the contract suite runs, shipped in the package
so they can be run against real Intercom (or any emulator) from an install.

``scenarios`` holds the scenarios (``contracts/test_delivery_scenarios.py`` runs the same ones),
``events`` their data and checks, ``reader`` the reads and deletes, ``workspace`` the target and
the run's namespace, ``run`` one run and its report, ``local_emulator`` the temporary emulator of
``--against-emulator``.
"""
