#!/usr/bin/env python3
"""A charm that runs only on ubuntu@22.04 (its charmcraft.yaml says so) and does nothing."""

import ops


class JammyCharm(ops.CharmBase):
    pass


if __name__ == '__main__':
    ops.main(JammyCharm)
