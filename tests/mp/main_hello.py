"""A /main.py for the virtual board (tests/test_virtual.py): says that it ran."""

if __name__ == "__main__":  # run as the board's main.py
    print("main ran")
