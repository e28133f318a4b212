"""Report pages: one module per page, each with its access helper at the top.

Every view is a thin function: who is asking (`viewer_for`, 403 without a
reporting role), what they may see (404 outside it), then the gate.
"""
