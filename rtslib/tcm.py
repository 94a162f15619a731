"""rtslib's older module for storage objects, kept importable: the code lives in
rtslib/storage.py (storage objects), rtslib/hba.py (the HBA layout of core/)
and rtslib/alua.py (ALUA target port groups)."""
from rtslib.alua import (ALUA_RO, ALUA_RW, ALUA_STATUSES, ALUA_TYPES,
                         ALUATargetPortGroup)
from rtslib.hba import (HBA_FILES, HOME_BASE, HOME_SPAN, LAYOUT_LIMIT,
                        _hba_memo, batch_lookups, home_index)  # noqa: F401 (_hba_memo)
from rtslib.lun import new_alias
from rtslib.storage import (PAGE_SIZE, UNSAFE_BEFORE_ENABLE,
                            BlockStorageObject, FileIOStorageObject, PSCSIStorageObject,
                            RDMCPStorageObject, StorageObject, StorageObjectFactory,
                            UserBackedStorageObject, all_storage_objects, so_from_path,
                            so_mapping)

__all__ = ['StorageObject', 'FileIOStorageObject', 'BlockStorageObject', 'PSCSIStorageObject',
           'RDMCPStorageObject', 'UserBackedStorageObject', 'StorageObjectFactory',
           'ALUATargetPortGroup', 'so_mapping', 'so_from_path', 'all_storage_objects',
           'batch_lookups', 'home_index', 'new_alias', 'PAGE_SIZE', 'UNSAFE_BEFORE_ENABLE',
           'HBA_FILES', 'HOME_BASE', 'HOME_SPAN', 'LAYOUT_LIMIT', 'ALUA_RO', 'ALUA_RW',
           'ALUA_STATUSES', 'ALUA_TYPES']
