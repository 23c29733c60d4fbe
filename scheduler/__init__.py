"""The clock process (`python -m scheduler`): the one active scheduler of a deployment.

See scheduler.clock for the jobs and scheduler.leader for how one clock leads and others wait.
"""
