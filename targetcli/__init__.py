"""targetcli: the configuration shell for the Linux SCSI target (LIO).

Nothing is imported here so that `import targetcli` costs nothing; the shell
lives in targetcli.main (entry point) and the ui_* modules (node tree).
"""
__version__ = '0.1.0'
