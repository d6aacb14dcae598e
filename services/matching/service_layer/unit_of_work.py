from services.matching.adapters.repository import NeedSnapshotRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class MatchingUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedSnapshotRepository(self.session)
