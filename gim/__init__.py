"""gim: Guided Imagery and Music sessions in the terminal."""

from gim.environment import lock_down

__version__ = "0.1.0"

# Before anything else loads: no library may phone home or cache outside the data home,
# in this process or any it starts (see gim/environment.py).
lock_down()
