"""`python3 -m targetcli ...` runs the same entry point as the targetcli command."""
import sys

from targetcli.main import main

sys.exit(main())
