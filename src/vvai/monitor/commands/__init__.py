"""`vvai monitor` command families that have no subpackage of their own: one module per family
(capture, history). The daemon's commands are in :mod:`vvai.monitor.service.cli`, the offline
diagnosis in :mod:`vvai.monitor.diagnose.cli`, template mining in :mod:`vvai.monitor.templates.cli`."""

CONFIG_HELP = "vvai.toml to use (default: $VVAI_CONFIG, ./vvai.toml, /etc/vvai/vvai.toml, built-in defaults)."
