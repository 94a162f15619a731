from targetd.main import main
