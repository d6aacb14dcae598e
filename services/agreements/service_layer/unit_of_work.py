from shared.unit_of_work import SqlAlchemyUnitOfWork


class AgreementsUnitOfWork(SqlAlchemyUnitOfWork):
    """Repositories for agreements's own tables are added here with its feature issue."""
