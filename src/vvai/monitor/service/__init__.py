"""The monitor daemon (`vvai monitor run|once|capture`): sources -> window -> diagnosis -> store -> alerts."""
