"""Provenance: a keyed green-list watermark for flagged accounts' outputs, and tests that tell
whether a suspect model learned from watermarked text.

The watermark and the text detector need only numpy, so a gateway or serving stack can use them
without PyTorch. Testing a model's logits (white-box) needs the ``lab`` extra.
"""

from stillwatch.provenance.detect import Detection, detect_tokens
from stillwatch.provenance.watermark import WatermarkKey, apply_watermark, hf_logits_processor

__all__ = ["Detection", "WatermarkKey", "apply_watermark", "detect_tokens", "hf_logits_processor"]
