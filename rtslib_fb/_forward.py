"""How a module of rtslib-fb's layout answers for a name it does not define."""
import importlib


def forwarding(name, ours):
    """A module __getattr__ (PEP 562) for rtslib_fb.`name`: any name that module
    does not define is looked up in our module `ours` (e.g. 'rtslib.target'), so
    both names give the same objects and nothing is loaded twice."""
    def __getattr__(attr):
        module = importlib.import_module(ours)
        try:
            return getattr(module, attr)
        except AttributeError:
            raise AttributeError(f"module 'rtslib_fb.{name}' has no attribute '{attr}' "
                                 f"(neither has {ours}; see README, rtslib-fb "
                                 f"compatibility)") from None
    return __getattr__
