"""The offline next-item pipeline and its benchmark (``aisle recommender evaluate``,
``bench/recsys_*.py``): evaluation files (``cases``), the tuned blend (``blend``), the listwise
model (``learned``), the full pipeline (``pipeline``) and the evaluation (``evaluate``). The chat's
ranking lives in the package above and never imports this one."""
