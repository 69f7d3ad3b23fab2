"""The emulator's state: workspaces and their resources, Intercom's limits and object shapes.

Nothing here imports Flask: routes hand each function a `Context` and a parsed body, and get
back what Intercom would answer, or an `IntercomError`.
"""
