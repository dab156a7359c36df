"""Live sources of the self-monitor. Each one turns a real signal (container engine, log files,
pipeline folders, Prometheus) into records in the incident-bundle on-disk format, behind the
small :class:`~vvai.monitor.sources.base.Source` interface."""
