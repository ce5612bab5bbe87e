"""What goes onto a board besides the heel package: main.py, package.json (mip), and the virtual
board's boot code; installed with the host as package data (heeltrack.firmware finds it)."""
