"""``avemo report``: the papers' tables from DVC experiments (actor folds x variants), with intervals."""
