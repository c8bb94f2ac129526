"""Configuration dataclasses and the named CoAtNet configs.

A :class:`CoAtNetCfg` fully describes a network: the stem (S0), the two MBConv stages (S1, S2) and the
two relative-attention Transformer stages (S3, S4). The named configs reproduce the paper's
CoAtNet-0 ... CoAtNet-5 and every CoAtNet variant that timm 1.0 publishes weights for, so that their
checkpoints load with ``strict=True``. Field names are those of timm's ``MaxxVitCfg``, ``MaxxVitConvCfg`` and
``MaxxVitTransformerCfg`` (a subset: what CoAtNet uses), so a timm twin is built field by field; every string
field is checked against its allowed values when a config is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

ACTIVATIONS = ("gelu", "silu", "relu", "tanh")
NORMS = ("layernorm2d", "batchnorm2d")
POOL_TYPES = ("avg2", "max2", "avg", "max")  # "...2": 2x2 stride-2 pooling; else 3x3 stride-2, padding 1
STRIDE_MODES = ("pool", "1x1", "dw")
REL_POS_TYPES = ("bias", "mlp")
BLOCK_TYPES = ("C", "T")  # C = MBConv, T = relative-attention Transformer


def _check_choices(cfg: object, allowed: dict[str, tuple[str, ...]]) -> None:
    """Raise ``ValueError`` naming the field, the bad value and the allowed ones for the first string field of
    ``cfg`` (a dataclass) whose value is not in ``allowed[field]``."""
    for f in fields(cfg):  # type: ignore[arg-type]
        if f.name in allowed and getattr(cfg, f.name) not in allowed[f.name]:
            raise ValueError(
                f"{type(cfg).__name__}.{f.name}={getattr(cfg, f.name)!r} is not one of: {', '.join(allowed[f.name])}"
            )


@dataclass(frozen=True)
class ConvCfg:
    """MBConv block settings (stages S1, S2 and the stem's norm/activation); field names as timm's
    ``MaxxVitConvCfg``."""

    expand_ratio: float = 4.0
    expand_output: bool = True  # hidden width from output channels (paper) or input channels (timm "rw")
    kernel_size: int = 3
    stride_mode: str = "dw"  # where a stage's stride-2 happens: "pool" (before 1x1), "1x1", or "dw" (depthwise)
    pool_type: str = "avg2"  # shortcut downsample: one of POOL_TYPES
    downsample_pool_type: str = "avg2"  # main-branch downsample when stride_mode is "pool"
    pre_norm_act: bool = False  # activation after the pre-norm
    output_bias: bool = True  # bias on the shortcut projection and the final 1x1 conv
    attn_early: bool = False  # squeeze-excitation between the depthwise conv and its norm (timm "rw" weights)
    attn_act_layer: str = "silu"  # the squeeze-excitation's activation
    attn_ratio: float = 0.25  # the squeeze-excitation's reduction
    act_layer: str = "gelu"
    norm_eps: float = 1e-5

    def __post_init__(self) -> None:
        _check_choices(
            self,
            {
                "stride_mode": STRIDE_MODES,
                "pool_type": POOL_TYPES,
                "downsample_pool_type": POOL_TYPES,
                "attn_act_layer": ACTIVATIONS,
                "act_layer": ACTIVATIONS,
            },
        )


@dataclass(frozen=True)
class TransformerCfg:
    """Relative-attention Transformer block settings (stages S3, S4); field names as timm's
    ``MaxxVitTransformerCfg``."""

    dim_head: int = 32
    expand_ratio: float = 4.0  # MLP hidden width / block width
    expand_first: bool = True  # attention width = output width (paper) or input width (timm "rw")
    shortcut_bias: bool = True
    pool_type: str = "avg2"
    rel_pos_type: str = "bias"  # "bias": learned table w[i-j]; "mlp": MLP over log-spaced offsets
    rel_pos_dim: int = 512  # hidden width of the "mlp" relative-position network
    init_values: float | None = None  # layer-scale initial value; None disables layer-scale
    act_layer: str = "gelu"
    norm_layer: str = "layernorm2d"  # or "batchnorm2d"
    norm_eps: float = 1e-6

    def __post_init__(self) -> None:
        _check_choices(
            self,
            {"pool_type": POOL_TYPES, "rel_pos_type": REL_POS_TYPES, "act_layer": ACTIVATIONS, "norm_layer": NORMS},
        )


@dataclass(frozen=True)
class CoAtNetCfg:
    """A whole network: stem widths, per-stage widths/depths/block types, head, input size. The first eight
    fields are timm's ``MaxxVitCfg``'s; ``img_size``, ``in_chans`` and ``num_classes`` are its model's
    arguments."""

    embed_dim: tuple[int, ...] = (96, 192, 384, 768)
    depths: tuple[int, ...] = (2, 3, 5, 2)
    block_type: tuple[str, ...] = ("C", "C", "T", "T")  # one of BLOCK_TYPES per stage
    stem_width: tuple[int, int] = (64, 64)
    stem_bias: bool = False
    conv_cfg: ConvCfg = field(default_factory=ConvCfg)
    transformer_cfg: TransformerCfg = field(default_factory=TransformerCfg)
    head_hidden_size: int | None = None  # paper configs: pre-logits MLP; timm "rw": final norm + linear
    img_size: int = 224
    in_chans: int = 3
    num_classes: int = 1000

    def __post_init__(self) -> None:
        for kind in self.block_type:
            if kind not in BLOCK_TYPES:
                raise ValueError(f"CoAtNetCfg.block_type has {kind!r}; each must be one of: {', '.join(BLOCK_TYPES)}")
        if not len(self.embed_dim) == len(self.depths) == len(self.block_type):
            raise ValueError(
                f"CoAtNetCfg: embed_dim {self.embed_dim}, depths {self.depths} and block_type {self.block_type} "
                "must have one entry per stage"
            )

    def as_json(self) -> dict:
        """Return the config as JSON-ready values (nested dicts for the block configs)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> CoAtNetCfg:
        """Return the config :meth:`as_json` gave ``data`` for (lists become tuples again). Raises ``TypeError`` or
        ``ValueError`` for anything else."""
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        values["conv_cfg"] = ConvCfg(**values["conv_cfg"])
        values["transformer_cfg"] = TransformerCfg(**values["transformer_cfg"])
        return cls(**values)


def _rw_coat(
    stride_mode: str = "pool",
    pool_type: str = "avg2",
    attn_early: bool = False,
    attn_act_layer: str = "relu",
    shortcut_bias: bool = True,
    norm_layer: str = "layernorm2d",
    init_values: float | None = None,
    rel_pos_type: str = "bias",
    rel_pos_dim: int = 512,
) -> dict:
    """Settings shared by timm's "rw" CoAtNets (trained before the official MaxViT code was public)."""
    return dict(
        conv_cfg=ConvCfg(
            stride_mode=stride_mode,
            pool_type=pool_type,
            pre_norm_act=True,
            expand_output=False,
            output_bias=False,
            attn_early=attn_early,
            attn_act_layer=attn_act_layer,
            act_layer="silu",
        ),
        transformer_cfg=TransformerCfg(
            expand_first=False,
            shortcut_bias=shortcut_bias,
            pool_type=pool_type,
            init_values=init_values,
            norm_layer=norm_layer,
            rel_pos_type=rel_pos_type,
            rel_pos_dim=rel_pos_dim,
        ),
    )


def _rw_max(stride_mode: str = "dw", rel_pos_type: str = "bias", rel_pos_dim: int = 512) -> dict:
    """Settings of timm's "nano"/"pico" CoAtNets, which reuse its MaxViT "rw" block defaults."""
    return dict(
        conv_cfg=ConvCfg(stride_mode=stride_mode, expand_output=False, output_bias=True, act_layer="silu"),
        transformer_cfg=TransformerCfg(expand_first=False, rel_pos_type=rel_pos_type, rel_pos_dim=rel_pos_dim),
    )


_SMALL = dict(embed_dim=(64, 128, 256, 512), stem_width=(32, 64))
_W0 = dict(embed_dim=(96, 192, 384, 768), stem_width=(32, 64))
_W2 = dict(embed_dim=(128, 256, 512, 1024), stem_width=(64, 128))
_W3 = dict(embed_dim=(192, 384, 768, 1536), stem_width=(96, 192))
_DEEP = (2, 6, 14, 2)

_CONFIGS: dict[str, CoAtNetCfg] = {
    # The paper's CoAtNet-0 ... CoAtNet-5 (Dai et al. 2021, table 3), as timm builds them.
    "coatnet_0_224": CoAtNetCfg((96, 192, 384, 768), (2, 3, 5, 2), stem_width=(64, 64), head_hidden_size=768),
    "coatnet_1_224": CoAtNetCfg((96, 192, 384, 768), _DEEP, stem_width=(64, 64), head_hidden_size=768),
    "coatnet_2_224": CoAtNetCfg((128, 256, 512, 1024), _DEEP, stem_width=(128, 128), head_hidden_size=1024),
    "coatnet_3_224": CoAtNetCfg((192, 384, 768, 1536), _DEEP, stem_width=(192, 192), head_hidden_size=1536),
    "coatnet_4_224": CoAtNetCfg((192, 384, 768, 1536), (2, 12, 28, 2), stem_width=(192, 192), head_hidden_size=1536),
    "coatnet_5_224": CoAtNetCfg((256, 512, 1280, 2048), (2, 12, 28, 2), stem_width=(192, 192), head_hidden_size=2048),
    # timm's own CoAtNet variants ("rw"), the ones with public weights among them.
    "coatnet_pico_rw_224": CoAtNetCfg(depths=(2, 3, 5, 2), **_SMALL, **_rw_max()),
    "coatnet_nano_rw_224": CoAtNetCfg(depths=(3, 4, 6, 3), **_SMALL, **_rw_max(stride_mode="pool")),
    "coatnet_rmlp_nano_rw_224": CoAtNetCfg(
        depths=(3, 4, 6, 3), **_SMALL, **_rw_max(rel_pos_type="mlp", rel_pos_dim=384)
    ),
    "coatnet_0_rw_224": CoAtNetCfg(depths=(2, 3, 7, 2), **_W0, **_rw_coat(attn_early=True, shortcut_bias=False)),
    "coatnet_bn_0_rw_224": CoAtNetCfg(
        depths=(2, 3, 7, 2),
        **_W0,
        **_rw_coat(stride_mode="dw", attn_early=True, shortcut_bias=False, norm_layer="batchnorm2d"),
    ),
    "coatnet_rmlp_0_rw_224": CoAtNetCfg(depths=(2, 3, 7, 2), **_W0, **_rw_coat(stride_mode="dw", rel_pos_type="mlp")),
    "coatnet_1_rw_224": CoAtNetCfg(
        depths=_DEEP, **_W0, **_rw_coat(stride_mode="dw", attn_early=True, shortcut_bias=False)
    ),
    "coatnet_rmlp_1_rw_224": CoAtNetCfg(
        depths=_DEEP,
        **_W0,
        **_rw_coat(pool_type="max", attn_early=True, shortcut_bias=False, rel_pos_type="mlp", rel_pos_dim=384),
    ),
    "coatnet_rmlp_1_rw2_224": CoAtNetCfg(depths=_DEEP, **_W0, **_rw_coat(stride_mode="dw", rel_pos_type="mlp")),
    "coatnet_2_rw_224": CoAtNetCfg(depths=_DEEP, **_W2, **_rw_coat(stride_mode="dw", attn_act_layer="silu")),
    "coatnet_rmlp_2_rw_224": CoAtNetCfg(
        depths=_DEEP,
        **_W2,
        **_rw_coat(stride_mode="dw", attn_act_layer="silu", init_values=1e-6, rel_pos_type="mlp"),
    ),
    "coatnet_3_rw_224": CoAtNetCfg(  # its only public weights are ImageNet-12k
        depths=_DEEP,
        **_W3,
        **_rw_coat(stride_mode="dw", attn_act_layer="silu", init_values=1e-6),
        num_classes=11821,
    ),
    "coatnet_rmlp_3_rw_224": CoAtNetCfg(
        depths=_DEEP,
        **_W3,
        **_rw_coat(stride_mode="dw", attn_act_layer="silu", init_values=1e-6, rel_pos_type="mlp"),
    ),
    # The model this project trains and bundles (Fashion-MNIST, grayscale shown as RGB): 96 px input so
    # that S3 attends over 6x6 tokens and S4 over 3x3.
    "coatnet_fmnist_96": CoAtNetCfg(
        embed_dim=(32, 64, 128, 192),
        depths=(1, 2, 2, 1),
        stem_width=(16, 32),
        conv_cfg=ConvCfg(stride_mode="pool", act_layer="silu"),  # pooling before the 1x1 expand: 4x cheaper on CPU
        transformer_cfg=TransformerCfg(dim_head=32),
        head_hidden_size=None,
        img_size=96,
        num_classes=10,
    ),
}
_CONFIGS["coatnet_rmlp_2_rw_384"] = replace(_CONFIGS["coatnet_rmlp_2_rw_224"], img_size=384)


def head_on_stage(cfg: CoAtNetCfg, stages: int, num_classes: int) -> CoAtNetCfg:
    """Return ``cfg`` cut after its first ``stages`` stages, with a plain linear head of ``num_classes`` outputs
    (``CoAtNet(cfg, head_pool=2)`` then reads that stage's output pooled to 2x2, with no final norm).

    The stem and kept stages keep their parameter names, so the base's weights load into them. Raises
    ``ValueError`` when ``stages`` is not between 1 and the number of stages.
    """
    if not 1 <= stages <= len(cfg.depths):
        raise ValueError(f"stages must be between 1 and {len(cfg.depths)}, not {stages}")
    return replace(
        cfg,
        embed_dim=cfg.embed_dim[:stages],
        depths=cfg.depths[:stages],
        block_type=cfg.block_type[:stages],
        head_hidden_size=None,
        num_classes=num_classes,
    )


def list_configs() -> list[str]:
    """Return the names of every named CoAtNet config, sorted."""
    return sorted(_CONFIGS)


def get_config(name: str) -> CoAtNetCfg:
    """Return the config called ``name`` (a pretrained tag such as ``coatnet_0_rw_224.sw_in1k`` is accepted).

    Raises ``KeyError`` naming the known configs when there is none of that name.
    """
    base = name.split(".", 1)[0]
    try:
        return _CONFIGS[base]
    except KeyError:
        raise KeyError(f"unknown CoAtNet config {name!r}; known: {', '.join(list_configs())}") from None
