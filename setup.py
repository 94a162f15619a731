"""lio-py: targetcli and rtslib for the Linux SCSI target (LIO), reimplemented."""
import glob

from setuptools import find_packages, setup

setup(
    name='lio-py',
    version='0.1.0',
    description='targetcli shell and rtslib library for the Linux kernel SCSI target (LIO)',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['rtslib', 'rtslib.*', 'rtslib_fb', 'targetcli', 'targetcli.*']),
    package_data={'rtslib.simkernel': ['data/*']},
    data_files=[('share/lio-py/spec', sorted(glob.glob('spec/*.json'))),
                ('lib/systemd/system', ['scripts/target.service'])],
    scripts=['scripts/targetctl'],
    install_requires=['configshell-fb', 'pyparsing', 'pyudev'],
    entry_points={'console_scripts': ['targetcli = targetcli.main:main']},
)
