"""What olm shows: ``status``, ``show-unit`` and friends, and the ``plan`` of a deployment.

Views read the model and the cloud and print; they change nothing.
"""
