"""The mirror's workload module: same module name as tracer's, different content."""

NAME = 'mirror-workload'
