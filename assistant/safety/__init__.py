"""Guards on what passes through a turn: personal data masked (``privacy``), links only to allowed
hosts (``links``), product images only from those hosts or the store's images folder (``images``),
message rate limits (``rate_limits``) and side-effect-free previews (``preview``)."""
