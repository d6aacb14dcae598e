from services.intake.adapters.repository import NeedRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class IntakeUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedRepository(self.session)
