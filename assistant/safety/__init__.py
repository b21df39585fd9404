"""Guards on what passes through a turn: personal data masked (``privacy``), links and images only
to allowed hosts (``links``), message rate limits (``rate_limits``) and side-effect-free previews
(``preview``)."""
