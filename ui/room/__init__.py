"""The infusion room: several chairs on one screen.

What a central station can reuse without a room: :class:`ui.room.panel.ChairPanel` (one
chair, drawn from a :class:`monitor.snapshot.ChairSnapshot` by ``show_snapshot``) and
:class:`ui.room.overview.RoomOverview` (a grid of panels and one alarm bar, from a list
of snapshots by ``show_chairs``; ``chair_chosen(index)`` when a panel is clicked). Neither
knows a bed. :mod:`ui.room.window` and :mod:`ui.room.app` are the room itself: beds built
by ``main.py``, each chair's bedside dashboard one key away, one sound for the room.
"""
