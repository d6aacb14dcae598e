from shared.unit_of_work import SqlAlchemyUnitOfWork


class EvaluationUnitOfWork(SqlAlchemyUnitOfWork):
    """Repositories for evaluation's own tables are added here with its feature issue."""
