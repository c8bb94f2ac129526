"""CoAtNet Lens core: the network, its weights, preprocessing, introspection and inference. No Qt here."""

from model.net.coatnet import CoAtNet, create_model
from model.net.config import CoAtNetCfg, list_configs

__all__ = ["CoAtNet", "CoAtNetCfg", "create_model", "list_configs"]
